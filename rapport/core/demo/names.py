"""First names and surnames per country for the demo data, each list in rough order of frequency.

The lists are long enough that, with the weights of `name_weights`, the most common surname is about
1 % of a country's people, as in real populations (Smith is ~0.8 % of the United States, Müller ~0.8 %
of Germany): a demo with a dozen surnames makes every surname search and every sort by name behave
like no real customer base does.
"""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated list (names may contain spaces: "van Dijk", "da Silva")."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def name_weights(count: int) -> list[float]:
    """Weights for a list in order of frequency: the first name is 1.5 times as common as the last."""
    return [1.0 / (rank + 2 * count) for rank in range(count)]


FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "US": _names(
        """James, Mary, Michael, Patricia, Robert, Jennifer, John, Linda, David, Elizabeth, William,
        Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, Karen, Charles, Lisa,
        Daniel, Nancy, Matthew, Betty, Anthony, Sandra, Mark, Margaret, Donald, Ashley, Steven, Kimberly,
        Andrew, Emily, Paul, Donna, Joshua, Michelle, Kenneth, Carol, Kevin, Amanda, Brian, Melissa,
        Timothy, Deborah, Ronald, Stephanie, George, Rebecca, Jason, Sharon, Edward, Laura, Jeffrey,
        Cynthia, Ryan, Dorothy, Jacob, Amy, Nicholas, Kathleen, Gary, Angela, Eric, Shirley, Jonathan,
        Emma, Stephen, Brenda, Larry, Pamela, Justin, Nicole, Scott, Anna, Brandon, Samantha, Benjamin,
        Katherine, Samuel, Christine, Gregory, Debra, Alexander, Rachel, Patrick, Carolyn, Frank, Janet,
        Raymond, Maria, Jack, Olivia, Dennis, Heather, Jerry, Helen, Tyler, Catherine, Aaron, Diane,
        Jose, Julie, Adam, Victoria, Nathan, Joyce, Henry, Lauren, Zachary, Kelly, Douglas, Christina,
        Peter, Ruth, Kyle, Joan, Noah, Virginia, Ethan, Judith, Jeremy, Evelyn, Christian, Hannah,
        Walter, Andrea, Keith, Megan, Austin, Cheryl, Roger, Jacqueline, Terry, Madison, Sean, Teresa"""
    ),
    "GB": _names(
        """Oliver, Olivia, George, Amelia, Harry, Isla, Noah, Ava, Jack, Emily, Charlie, Sophie, Thomas,
        Grace, Oscar, Lily, William, Freya, James, Chloe, Henry, Ella, Leo, Mia, Alfie, Evie, Joshua,
        Poppy, Freddie, Charlotte, Archie, Jessica, Ethan, Sophia, Isaac, Ruby, Alexander, Daisy, Joseph,
        Alice, Edward, Florence, Samuel, Matilda, Max, Phoebe, Daniel, Scarlett, Arthur, Evelyn, Lucas,
        Eleanor, Mohammed, Elizabeth, Logan, Imogen, Harrison, Holly, Benjamin, Lucy, Mason, Hannah,
        Sebastian, Emma, Finley, Katie, Adam, Rosie, Dylan, Megan, Zachary, Lauren, Riley, Rebecca,
        Teddy, Abigail, Theodore, Millie, David, Zara, Elijah, Eva, Jacob, Harriet, Toby, Sarah, Louis,
        Amy, Reuben, Georgia, Luke, Bethany, Matthew, Laura, Michael, Helen, Andrew, Claire, Stephen,
        Rachel, Paul, Victoria, Richard, Nicola, Mark, Joanne, Christopher, Gemma, Gareth, Kirsty"""
    ),
    "DE": _names(
        """Maximilian, Sophie, Alexander, Marie, Paul, Maria, Elias, Emma, Ben, Mia, Noah, Hannah, Leon,
        Emilia, Louis, Anna, Jonas, Lena, Felix, Lea, Luca, Leonie, Lukas, Johanna, Finn, Clara, Henry,
        Lina, Julian, Laura, Jakob, Katharina, Moritz, Sarah, David, Julia, Simon, Lisa, Tim, Charlotte,
        Niklas, Amelie, Philipp, Nele, Jan, Luisa, Tobias, Sophia, Florian, Lara, Sebastian, Sandra,
        Michael, Nicole, Thomas, Stefanie, Andreas, Sabine, Stefan, Claudia, Christian, Petra, Markus,
        Susanne, Matthias, Andrea, Daniel, Anja, Martin, Birgit, Frank, Monika, Jürgen, Karin, Klaus,
        Ursula, Wolfgang, Renate, Uwe, Heike, Peter, Martina, Bernd, Gabriele, Dirk, Kerstin, Jörg,
        Silke, Ralf, Tanja, Torsten, Melanie, Holger, Christina, Sven, Anke, Oliver, Ines, Kai, Jana,
        Jens, Franziska, Marco, Miriam, Dominik, Annika, Fabian, Carina, Benedikt, Greta, Konstantin, Ida"""
    ),
    "FR": _names(
        """Gabriel, Jade, Léo, Louise, Raphaël, Emma, Louis, Alice, Arthur, Ambre, Jules, Lina, Adam,
        Rose, Maël, Chloé, Lucas, Mia, Hugo, Léa, Noah, Anna, Liam, Mila, Sacha, Julia, Gabin, Inès,
        Nathan, Camille, Tom, Manon, Ethan, Zoé, Théo, Sarah, Paul, Juliette, Nolan, Lou, Timéo, Lola,
        Mathis, Agathe, Aaron, Eva, Victor, Clara, Axel, Romane, Antoine, Margaux, Maxime, Pauline,
        Thomas, Marie, Nicolas, Julie, Julien, Aurélie, Alexandre, Sophie, Pierre, Nathalie, Sébastien,
        Isabelle, Guillaume, Céline, Romain, Émilie, Mathieu, Sandrine, Jérôme, Caroline, Laurent,
        Valérie, Philippe, Christine, Olivier, Stéphanie, Christophe, Anne, Frédéric, Catherine, François,
        Hélène, Benoît, Élodie, Vincent, Claire, Cédric, Virginie, Damien, Mélanie, Arnaud, Audrey"""
    ),
    "ES": _names(
        """Hugo, Lucía, Martín, Sofía, Lucas, Martina, Mateo, María, Leo, Julia, Daniel, Paula, Alejandro,
        Valeria, Pablo, Emma, Manuel, Daniela, Álvaro, Carla, Adrián, Alba, Enzo, Noa, Mario, Alma, Diego,
        Sara, David, Carmen, Javier, Laura, Marcos, Ana, Sergio, Isabel, Carlos, Cristina, Antonio, Marta,
        José, Elena, Francisco, Pilar, Juan, Lola, Jorge, Rocío, Raúl, Beatriz, Rubén, Irene, Iván, Nuria,
        Miguel, Silvia, Fernando, Patricia, Luis, Raquel, Alberto, Teresa, Andrés, Rosa, Rafael, Inés,
        Ignacio, Claudia, Gonzalo, Eva, Víctor, Lorena, Óscar, Marina, Jaime, Natalia, Íker, Ainhoa, Unai,
        Nerea, Pedro, Montserrat, Ramón, Mercedes, Joaquín, Consuelo"""
    ),
    "IT": _names(
        """Leonardo, Sofia, Francesco, Giulia, Alessandro, Aurora, Lorenzo, Alice, Mattia, Ginevra, Tommaso,
        Emma, Gabriele, Giorgia, Andrea, Beatrice, Riccardo, Greta, Edoardo, Vittoria, Matteo, Anna,
        Giuseppe, Chiara, Nicolò, Martina, Antonio, Francesca, Federico, Sara, Diego, Elena, Davide,
        Alessia, Giovanni, Valentina, Pietro, Federica, Marco, Silvia, Luca, Paola, Stefano, Laura,
        Roberto, Maria, Paolo, Elisa, Simone, Ilaria, Fabio, Roberta, Massimo, Cristina, Salvatore,
        Claudia, Daniele, Angela, Michele, Rosa, Vincenzo, Monica, Claudio, Barbara, Giorgio, Serena,
        Luigi, Alessandra, Emanuele, Veronica, Filippo, Camilla, Carlo, Lucia, Enrico, Marta, Alberto,
        Noemi, Sergio, Daniela"""
    ),
    "NL": _names(
        """Noah, Emma, Sem, Julia, Liam, Mila, Lucas, Tess, Daan, Sophie, Finn, Zoë, Levi, Sara, Luuk,
        Nora, Mees, Yara, James, Eva, Milan, Liv, Sam, Lotte, Noud, Evi, Bram, Anna, Jesse, Saar, Thomas,
        Fleur, Lars, Isa, Ruben, Femke, Thijs, Lieke, Stijn, Sanne, Tim, Lisa, Jeroen, Anouk, Bas, Marloes,
        Niels, Linda, Sander, Esther, Pieter, Ingrid, Jan, Marieke, Dirk, Annemieke, Willem, Petra, Hendrik,
        Wilma, Kees, Ellen, Joost, Inge, Maarten, Mirjam, Wouter, Karin, Jasper, Judith, Koen, Iris,
        Robin, Charlotte, Rik, Merel"""
    ),
    "SE": _names(
        """Lars, Maria, Anders, Elisabeth, Johan, Anna, Per, Kristina, Erik, Margareta, Karl, Eva, Nils,
        Birgitta, Lennart, Karin, Mikael, Elisabet, Hans, Marie, Jan, Ingrid, Peter, Christina, Olof,
        Linnéa, Thomas, Kerstin, Fredrik, Sofia, Daniel, Marianne, Bengt, Lena, Gustav, Helena, Bo,
        Emma, Åke, Inger, Magnus, Johanna, Andreas, Sara, Stefan, Ulla, Mats, Cecilia, Björn, Elin,
        Oskar, Ida, Alexander, Malin, Henrik, Anneli, Jonas, Ebba, Martin, Astrid, William, Alice,
        Liam, Maja, Hugo, Elsa, Lucas, Saga, Axel, Alva, Leo, Wilma, Elias, Freja, Viktor, Agnes"""
    ),
    "PL": _names(
        """Jakub, Zuzanna, Antoni, Julia, Jan, Maja, Szymon, Hanna, Filip, Zofia, Piotr, Agnieszka, Tomasz,
        Katarzyna, Krzysztof, Anna, Andrzej, Maria, Paweł, Małgorzata, Michał, Barbara, Marcin, Ewa,
        Marek, Krystyna, Grzegorz, Elżbieta, Józef, Magdalena, Łukasz, Joanna, Adam, Aleksandra,
        Mateusz, Monika, Wojciech, Natalia, Kamil, Teresa, Dariusz, Danuta, Rafał, Karolina, Maciej,
        Marta, Zbigniew, Dorota, Jerzy, Beata, Robert, Alicja, Stanisław, Jadwiga, Bartosz, Iwona,
        Sebastian, Halina, Dawid, Irena, Ryszard, Justyna, Artur, Paulina, Kacper, Wiktoria, Mikołaj,
        Oliwia, Wiktor, Lena"""
    ),
    "BR": _names(
        """Miguel, Helena, Arthur, Alice, Gael, Laura, Heitor, Maria Alice, Théo, Valentina, Davi, Heloísa,
        Gabriel, Maria Clara, Bernardo, Maria Cecília, Samuel, Maria Júlia, João Miguel, Sophia, Pedro,
        Lorena, Lucas, Lívia, Matheus, Manuela, Rafael, Isabella, Gustavo, Beatriz, Felipe, Mariana,
        João Pedro, Ana Clara, Guilherme, Larissa, Leonardo, Camila, Enzo, Juliana, Bruno, Fernanda,
        Rodrigo, Patrícia, Marcelo, Aline, Carlos, Vanessa, Eduardo, Adriana, Thiago, Renata, Diego,
        Daniela, Vinícius, Tatiane, Fábio, Cristiane, Ricardo, Simone, Paulo, Luciana, André, Sandra,
        Antônio, Francisca, José, Ana, Francisco, Marcia, Luiz, Rosângela"""
    ),
    "JP": _names(
        """Haruto, Yui, Sota, Hina, Yuto, Sakura, Ren, Aoi, Takumi, Mei, Kenji, Yuki, Minato, Himari,
        Riku, Mio, Hinata, Rin, Yamato, Akari, Asahi, Tsumugi, Sora, Koharu, Hiroshi, Yoko, Takashi,
        Keiko, Makoto, Naoko, Kazuki, Ayumi, Daiki, Emi, Shota, Kaori, Ryota, Megumi, Kenta, Tomoko,
        Yusuke, Noriko, Tatsuya, Akiko, Satoshi, Chika, Kaito, Nanami, Haruki, Misaki, Naoki, Ayaka,
        Tomoya, Saki, Shun, Haruka, Ryo, Natsuki, Kota, Rina"""
    ),
    "IN": _names(
        """Aarav, Ananya, Vivaan, Diya, Aditya, Saanvi, Arjun, Aadhya, Rohan, Priya, Rahul, Kavya, Vikram,
        Neha, Sai, Ishita, Reyansh, Anika, Krishna, Pooja, Ishaan, Sneha, Ayaan, Riya, Karan, Anjali,
        Amit, Divya, Suresh, Lakshmi, Rajesh, Sunita, Sanjay, Meena, Anil, Kiran, Vijay, Deepa, Ravi,
        Swati, Manoj, Shreya, Nikhil, Tanvi, Harsh, Aishwarya, Varun, Nandini, Siddharth, Pallavi,
        Abhishek, Radhika, Gaurav, Shalini, Prakash, Usha, Arun, Geeta, Deepak, Rekha"""
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "US": _names(
        """Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
        Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson,
        White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King, Wright,
        Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera, Campbell,
        Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz, Parker, Cruz, Edwards, Collins,
        Reyes, Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz, Morgan, Cooper, Peterson,
        Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson, Watson, Brooks, Chavez, Wood,
        James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez, Castillo, Sanders, Patel, Myers,
        Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell, Sullivan, Bell, Coleman, Butler,
        Henderson, Barnes, Gonzales, Fisher, Vasquez, Simmons, Romero, Jordan, Patterson, Alexander,
        Hamilton, Graham, Reynolds, Griffin, Wallace, Moreno, West, Cole, Hayes, Bryant, Herrera, Gibson,
        Ellis, Tran, Medina, Aguilar, Stevens, Murray, Ford, Castro, Marshall, Owens, Harrison, Fernandez,
        McDonald, Woods, Washington, Kennedy, Wells, Vargas, Henry, Chen, Freeman, Webb, Tucker, Guzman,
        Burns, Crawford, Olson, Simpson, Porter, Hunter, Gordon, Mendez, Silva, Shaw, Snyder, Mason,
        Dixon, Munoz, Hunt, Hicks, Holmes, Palmer, Wagner, Black, Robertson, Boyd, Rose, Stone, Salazar,
        Fox, Warren, Mills, Meyer, Rice, Schmidt, Garza, Daniels, Ferguson, Nichols, Stephens, Soto,
        Weaver, Ryan, Gardner, Payne, Grant, Dunn, Kelley, Spencer, Hawkins, Arnold, Pierce, Vazquez,
        Hansen, Peters, Santos, Hart, Bradley, Knight, Elliott, Cunningham, Duncan, Armstrong, Hudson,
        Carroll, Lane, Riley, Andrews, Alvarado, Ray, Delgado, Berry, Perkins, Hoffman, Johnston,
        Matthews, Pena, Richards, Contreras, Willis, Carpenter, Lawrence, Sandoval"""
    ),
    "GB": _names(
        """Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts,
        Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, Clarke,
        Patel, Jackson, Wood, Turner, Martin, Cooper, Hill, Ward, Morris, Moore, Clark, Lee, King, Baker,
        Harrison, Morgan, Allen, James, Scott, Phillips, Watson, Davis, Parker, Price, Bennett, Young,
        Griffiths, Mitchell, Kelly, Cook, Carter, Richardson, Bailey, Collins, Bell, Shaw, Murphy, Miller,
        Cox, Richards, Khan, Marshall, Anderson, Simpson, Ellis, Adams, Singh, Begum, Wilkinson, Foster,
        Chapman, Powell, Webb, Rogers, Gray, Mason, Ali, Hunt, Hussain, Campbell, Matthews, Owen, Palmer,
        Holmes, Mills, Barnes, Knight, Lloyd, Butler, Russell, Barker, Fisher, Stevens, Jenkins, Murray,
        Dixon, Harvey, Graham, Pearson, Ahmed, Fletcher, Walsh, Kaur, Gibson, Howard, Andrews, Stewart,
        Elliott, Reynolds, Saunders, Payne, Fox, Ford, Pearce, Day, Brooks, West, Lawrence, Cole, Atkinson,
        Bradley, Spencer, Gill, Dawson, Ball, Burton, O'Brien, Watts, Rose, Booth, Perry, Ryan, Grant,
        Wells, Armstrong, Francis, Rees, Hayes, Hart, Hudson, Newman, Barrett, Webster, Hunter, Gregory,
        Carr, Lowe, Page, Marsh, Riley, Dennis, Farmer, Weston, Stone, Reid, Hamilton, Sutton, Walton,
        Bird, Lambert, MacDonald, Fraser, Robertson, Duncan, Kerr, Hopkins, Sharp, Burke, Nicholson"""
    ),
    "DE": _names(
        """Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer,
        Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann,
        Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid, Schulze, Maier, Köhler,
        Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang, Scholz, Möller, Weiß, Jung,
        Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Frank, Berger, Winkler, Roth, Beck, Lorenz,
        Baumann, Franke, Albrecht, Schuster, Simon, Ludwig, Böhm, Winter, Kraus, Martin, Schumacher,
        Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß, Seidel, Heinrich, Brandt, Haas, Schreiber,
        Graf, Schulte, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel, Horn, Busch, Bergmann, Thomas, Voigt,
        Sauer, Arnold, Wolff, Pfeiffer, Ernst, Lindner, Hübner, Kruse, Jansen, Franz, Peter, Hansen,
        Wolter, Götz, Paul, Schütz, Zimmer, Brinkmann, Schreiner, Hermann, Kraft, Böttcher, Heinz, Walther,
        Menzel, Thiel, Haase, Schilling, Seifert, Bock, Kramer, Marx, Kuhlmann, Witt, Hinz, Dittrich,
        Ritter, Stephan, Lenz, Eckert, Förster, Schuhmacher, Reuter, Frey, Kirchner, Geiger, Nowak,
        Wendt, Fiedler, Ebert, Schrader, Kluge, Brandl, Jahn, Hirsch, Vetter, Winkelmann, Ulrich, Heller"""
    ),
    "FR": _names(
        """Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois, Moreau, Laurent, Simon, Michel,
        Lefebvre, Leroy, Roux, David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine,
        Rousseau, Vincent, Muller, Lefèvre, Faure, André, Mercier, Blanc, Guérin, Boyer, Garnier,
        Chevalier, François, Legrand, Gauthier, Garcia, Perrin, Robin, Clément, Morin, Nicolas, Henry,
        Roussel, Mathieu, Gautier, Masson, Marchand, Duval, Denis, Dumont, Marie, Lemaire, Noël, Meyer,
        Dufour, Meunier, Brun, Blanchard, Giraud, Joly, Rivière, Lucas, Brunet, Gaillard, Barbier, Arnaud,
        Martinez, Gérard, Roche, Renard, Schmitt, Roy, Leroux, Colin, Vidal, Caron, Picard, Roger, Fabre,
        Aubert, Lemoine, Renaud, Dumas, Lacroix, Olivier, Philippe, Bourgeois, Pierre, Benoît, Rey, Leclerc,
        Payet, Rolland, Leclercq, Guillaume, Lecomte, Lopez, Jean, Dupuy, Guillot, Hubert, Berger, Carpentier,
        Sanchez, Dupuis, Moulin, Louis, Deschamps, Huet, Vasseur, Perez, Boucher, Fleury, Royer, Klein,
        Jacquet, Adam, Paris, Poirier, Marty, Aubry, Guyot, Carré, Charles, Renault, Charpentier, Ménard,
        Maillard, Baron, Bertin, Bailly, Hervé, Schneider, Fernandez, Le Gall, Collet, Léger, Bouvier,
        Julien, Prévost, Millet, Perrot, Daniel, Le Roux, Cousin, Germain, Breton, Besson, Langlois"""
    ),
    "ES": _names(
        """García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín,
        Jiménez, Hernández, Ruiz, Díaz, Moreno, Muñoz, Álvarez, Romero, Gutiérrez, Alonso, Navarro,
        Torres, Domínguez, Ramos, Vázquez, Ramírez, Gil, Serrano, Morales, Molina, Blanco, Suárez, Castro,
        Ortega, Delgado, Ortiz, Marín, Rubio, Núñez, Medina, Sanz, Castillo, Iglesias, Cortés, Garrido,
        Santos, Guerrero, Lozano, Cano, Cruz, Méndez, Flores, Prieto, Herrera, Peña, León, Márquez,
        Cabrera, Gallego, Calvo, Vidal, Campos, Reyes, Vega, Fuentes, Carrasco, Diez, Aguilar, Caballero,
        Nieto, Santana, Vargas, Pascual, Giménez, Herrero, Hidalgo, Montero, Lorenzo, Santiago, Benítez,
        Durán, Ibáñez, Arias, Mora, Ferrer, Carmona, Vicente, Rojas, Soto, Crespo, Román, Pastor,
        Velasco, Parra, Sáez, Moya, Bravo, Rivera, Gallardo, Soler, Esteban, Pardo, Rivas, Franco,
        Espinosa, Sierra, Merino, Izquierdo, Camacho, Arroyo, Redondo, Luque, Rey, Galán, Otero, Montes,
        Marcos, Lara, Carrillo, Mendoza, Vera, Robles, Sáenz, Varela, Aranda, Benito, Mateo, Casado,
        Bernal, Bueno, Villar, Pacheco, Miranda, Salazar, Gimeno, Quintana, Aguirre, Maldonado"""
    ),
    "IT": _names(
        """Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo,
        Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro,
        Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile, Martinelli, Vitale,
        Lombardo, Serra, Coppola, De Santis, D'Angelo, Marchetti, Parisi, Villa, Conte, Ferraro, Ferri,
        Fabbri, Bianco, Marini, Grasso, Valentini, Messina, Sala, De Angelis, Gatti, Pellegrini, Palumbo,
        Sanna, Farina, Rizzi, Monti, Cattaneo, Morelli, Amato, Silvestri, Mazza, Testa, Grassi,
        Pellegrino, Carbone, Giuliani, Benedetti, Barone, Rossetti, Caputo, Montanari, Guerra, Palmieri,
        Bernardi, Martino, Fiore, De Rosa, Ferretti, Bellini, Basile, Riva, Donati, Piras, Vitali,
        Battaglia, Sartori, Neri, Costantini, Milani, Pagano, Ruggiero, Sorrentino, D'Amico, Orlando,
        Pavan, Negri, Fumagalli, Bassi, Mazzoni, Monaco, Cirillo, Rossetto, Bellucci, Ferrante, Lupo,
        Pace, Ruggeri, Sartor, Tedesco, Zanetti, Romeo, Morra, Fiorentino, Grimaldi, Pozzi, Valente,
        Cocco, Marras, Rota, Cavallo, Gentili, Leonardi, Bertolini, Colonna, Brambilla, Zanella,
        Mele, Porcu, Melis, Giorgi, Bonetti, Castelli, Cristiani, Guidi, Tosi, Rossini, Ricciardi"""
    ),
    "NL": _names(
        """de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer,
        de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit,
        Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, Jacobs, de Haan, Vermeulen, van den
        Heuvel, van der Veen, van den Broek, de Bruijn, de Bruin, van der Heijden, Schouten, van Beek,
        Willems, van Vliet, van de Ven, Hoekstra, Maas, Verhoeven, Koster, van Dam, van der Wal, Prins,
        Blom, Huisman, Peeters, de Jonge, Kuipers, van Veen, Post, Kuiper, Veenstra, Kramer, van den
        Brink, Scholten, van Wijk, Postma, Martens, Vink, de Ruiter, Timmermans, Groen, Gerritsen,
        Jonker, van Loon, Boer, van der Velde, Willemsen, Smeets, de Lange, de Vos, Bosch, van Dongen,
        Schipper, de Koning, van der Laan, Koning, van der Velden, Driessen, van Doorn, Hermans, Evers,
        van den Bosch, van der Meulen, Hofman, Bosman, Wouters, Sanders, van der Zee, Verbeek, Veldman,
        Stam, Bouwman, Mertens, Wijnen, van Rijn, de Wilde, Bakx, Baas, Zwart, Claassen, Hoogendoorn,
        van Os, Bijl, Geerts, Dijkman, Kroon, Hoogland, Zijlstra, Brands, Mol, Faber, Pieters, Kwakman,
        Verschuren, Franken, Keizer, Reijnders, Bastiaans, Nijhuis, van Gils, Lammers, Kempen, Hoek"""
    ),
    "SE": _names(
        """Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson,
        Gustafsson, Pettersson, Jonsson, Jansson, Hansson, Bengtsson, Jönsson, Lindberg, Jakobsson,
        Magnusson, Olofsson, Lindström, Lindqvist, Lindgren, Berg, Axelsson, Bergström, Lundberg,
        Lind, Lundgren, Lundqvist, Mattsson, Berglund, Fredriksson, Sandberg, Henriksson, Forsberg,
        Sjöberg, Ali, Wallin, Mohammed, Engström, Eklund, Danielsson, Lundin, Håkansson, Björk,
        Bergman, Gunnarsson, Holm, Wikström, Samuelsson, Isaksson, Fransson, Bergqvist, Nyström,
        Holmberg, Arvidsson, Löfgren, Söderberg, Nyberg, Blomqvist, Claesson, Nordström, Ahmed, Mårtensson,
        Lundström, Hassan, Viklund, Björklund, Eliasson, Pålsson, Berggren, Sandström, Lund, Nordin,
        Ström, Åberg, Falk, Ekström, Hermansson, Holmgren, Hellström, Dahlberg, Hedlund, Sundberg,
        Sjögren, Ek, Blom, Abrahamsson, Martinsson, Öberg, Andreasson, Strömberg, Månsson, Hansen,
        Åkesson, Dahl, Lindholm, Norberg, Holmqvist, Sundström, Ekman, Nyman, Forsman, Lindahl, Jensen,
        Söderström, Lindblom, Wiklund, Ivarsson, Nordqvist, Hedström, Ottosson, Kristiansson, Sundqvist,
        Strand, Östlund, Bergh, Sköld, Bäckström, Boström, Rosén, Nordlund, Lindell, Granberg, Söderlund"""
    ),
    "PL": _names(
        """Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański,
        Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Wojciechowski, Kwiatkowski, Krawczyk, Kaczmarek,
        Piotrowski, Grabowski, Zając, Pawłowski, Michalski, Król, Wieczorek, Jabłoński, Wróbel, Nowakowski,
        Majewski, Olszewski, Stępień, Malinowski, Jaworski, Adamczyk, Dudek, Nowicki, Pawlak, Górski,
        Witkowski, Walczak, Sikora, Baran, Rutkowski, Michalak, Szewczyk, Ostrowski, Tomaszewski,
        Pietrzak, Zalewski, Wróblewski, Marciniak, Jasiński, Zawadzki, Bąk, Jakubowski, Sadowski,
        Duda, Włodarczyk, Wilk, Chmielewski, Borkowski, Sokołowski, Szczepański, Sawicki, Lis,
        Kucharski, Mazurek, Kubiak, Kalinowski, Wysocki, Maciejewski, Czarnecki, Kołodziej, Urbański,
        Kaczmarczyk, Sobczak, Konieczny, Głowacki, Zakrzewski, Krajewski, Krupa, Laskowski, Ziółkowski,
        Gajewski, Mróz, Brzeziński, Szulc, Makowski, Czerwiński, Baranowski, Szymczak, Kaźmierczak,
        Leszczyński, Mazurkiewicz, Przybylski, Kozieł, Adamski, Urban, Borowski, Marczak, Kasprzak,
        Sikorski, Zawada, Kurek, Czajkowski, Kołodziejczyk, Cieślak, Wasilewski, Kozak, Górecki,
        Milewski, Szczepaniak, Kowalewski, Domański, Kurowski, Ryba, Musiał, Błaszczyk, Andrzejewski,
        Wrona, Sowa, Kubacki, Kaczor, Szczygieł, Kowal, Bielecki, Dziedzic, Tomczak, Kozioł, Nowacki"""
    ),
    "BR": _names(
        """Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Ribeiro,
        Carvalho, Costa, Martins, Araújo, Melo, Barbosa, Rocha, Dias, Nascimento, Andrade, Moreira,
        Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Ramos, Gonçalves, Santana, Teixeira, Lopes,
        Vieira, Pinto, Correia, Cavalcanti, Monteiro, Moura, Batista, Campos, Castro, Reis, Soares,
        Fernandes, Azevedo, Barros, Cunha, Pires, Duarte, Farias, Xavier, Miranda, Bezerra, Medeiros,
        Brito, Sampaio, Guimarães, Fonseca, Correa, Coelho, Cruz, Pinheiro, Morais, Borges, Macedo, Leite,
        Sousa, Aguiar, Tavares, Peixoto, Vasconcelos, Siqueira, Nogueira, Queiroz, Amaral, Lacerda,
        Figueiredo, Rezende, Brandão, Magalhães, Caldeira, Cordeiro, Viana, Bastos, Rangel, Dantas,
        Falcão, Matos, Prado, Porto, Carneiro, Paiva, Mota, Fagundes, Chaves, Assis, Toledo, Arruda,
        Rios, Sales, Serrano, Valente, Bueno, Franco, Godoy, Jesus, Lins, Neves, Pacheco, Quintana,
        Antunes, Bittencourt, Camargo, Diniz, Esteves, Frota, Galvão, Holanda, Jardim, Lobo, Maciel,
        Mattos, Novaes, Paz, Quaresma, Rosa, Sarmento, Teles, Uchoa, Vilela, Werneck, Zanetti"""
    ),
    "JP": _names(
        """Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida,
        Yamada, Sasaki, Yamaguchi, Saito, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, Yamazaki, Mori,
        Abe, Ikeda, Hashimoto, Yamashita, Ishikawa, Nakajima, Maeda, Fujita, Ogawa, Goto, Okada,
        Hasegawa, Murakami, Kondo, Ishii, Miyake, Sakamoto, Endo, Aoki, Fujii, Nishimura, Fukuda, Ota,
        Miura, Fujiwara, Okamoto, Matsuda, Nakagawa, Nakano, Harada, Ono, Tamura, Takeuchi, Kaneko,
        Wada, Nakayama, Ishida, Ueda, Morita, Hara, Shibata, Sakai, Kudo, Yokoyama, Miyazaki, Miyamoto,
        Uchida, Takagi, Ando, Taniguchi, Ohno, Maruyama, Imai, Takada, Fujimoto, Takeda, Murata, Ueno,
        Sugiyama, Masuda, Sugawara, Hirano, Kojima, Otsuka, Chiba, Kubo, Matsui, Iwasaki, Sakurai,
        Kinoshita, Noguchi, Matsuo, Nomura, Kikuchi, Sano, Onishi, Sugimoto, Arai, Hamada, Ichikawa,
        Furukawa, Mizuno, Komatsu, Shimada, Igarashi, Okubo, Hirata, Kubota, Nishida, Kitamura,
        Yasuda, Nakata, Kawaguchi, Hirai, Kawasaki, Iida, Higuchi, Honda, Kuroda, Kawakami, Nagai"""
    ),
    "IN": _names(
        """Sharma, Verma, Gupta, Patel, Singh, Kumar, Reddy, Iyer, Nair, Mehta, Joshi, Rao, Das, Bose,
        Shah, Jain, Agarwal, Mishra, Pandey, Yadav, Chauhan, Malhotra, Kapoor, Khanna, Chopra, Bhatia,
        Saxena, Srivastava, Tiwari, Dubey, Shukla, Trivedi, Desai, Kulkarni, Deshpande, Patil, Pillai,
        Menon, Krishnan, Subramanian, Venkatesh, Naidu, Chowdhury, Banerjee, Chatterjee, Mukherjee,
        Ghosh, Sen, Dutta, Roy, Sinha, Thakur, Rathore, Bhatt, Pandit, Goswami, Kaur, Gill, Sandhu,
        Dhillon, Grewal, Sethi, Arora, Ahuja, Bajaj, Bansal, Goyal, Mittal, Singhal, Garg, Chaudhary,
        Dixit, Awasthi, Bajpai, Rastogi, Tripathi, Upadhyay, Chandra, Prasad, Naik, Shetty, Hegde, Kamath,
        Pai, Bhat, Gowda, Murthy, Raman, Sastry, Varma, Mathew, Thomas, George, Varghese, Kurian, Fernandes,
        D'Souza, Pinto, Rodrigues, Khan, Qureshi, Ansari, Siddiqui, Sheikh, Mirza, Hussain, Rizvi, Abbasi,
        Kohli, Anand, Bhalla, Chawla, Dhawan, Kakkar, Luthra, Mehra, Oberoi, Puri, Suri, Talwar, Vohra"""
    ),
}
