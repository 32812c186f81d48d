"""Word lists for the demo library: names, title pieces, nonfiction topics with Dewey numbers."""
from __future__ import annotations

LIBRARY_NAME = "Lincoln Elementary School Library"

FIRST_EN = ("Olivia Emma Ava Sophia Mia Amelia Harper Evelyn Abigail Ella Chloe Grace Lily Zoe Nora Hannah Aria "
            "Riley Layla Scarlett Liam Noah Oliver Elijah James William Benjamin Lucas Henry Alexander Mason Ethan "
            "Jacob Logan Jackson Aiden Owen Samuel Wyatt Leo Caleb Isaac Nathan Ryan Dylan Aaliyah Maya Priya Aisha "
            "Jamal Darius Kenji Mei Hana Arjun Omar Zara Naomi Ruby Hazel Miles Theo Jonah Ezra Violet Stella").split()
FIRST_ES = ("María Sofía Valentina Camila Isabella Lucía Ximena Daniela Gabriela Mariana Renata Paula Elena Ana "
            "Carmen Rosa Alejandra Natalia Jimena Regina Mateo Santiago Diego Sebastián Alejandro Miguel Ángel "
            "Carlos Luis José Juan Emiliano Leonardo Gael Andrés Javier Rafael Tomás Joaquín Nicolás Marco").split()
LAST_EN = ("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson "
           "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams Nelson "
           "Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris "
           "Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood "
           "Brooks Patel Nguyen Kim Chen Singh Okafor Tanaka Ali Shah Cohen Olsen").split()
LAST_ES = ("García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez "
           "Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz Mendoza Álvarez Castillo Jiménez Vásquez "
           "Romero Herrera Medina Aguilar Vargas Castro Guerrero Delgado Ortega Soto Navarro Salazar").split()
TEACHER_TITLES = ("Ms.", "Mr.", "Mrs.", "Ms.", "Mr.", "Dr.")
SPECIALISTS = ("Art", "Music", "Physical Education", "Science Lab", "Reading Specialist", "Library Media",
               "Special Education")
STAFF_ROLES = ("Front Office", "School Nurse", "Custodian", "Counselor", "Instructional Aide")

AUTHOR_FIRST = ("Anna Ben Clara David Ellen Frank Grace Henry Iris Jack Karen Leo Molly Nick Olive Peter Rosa "
                "Sam Tara Victor Wendy Alma Diego Lucia Ruth Marcus Kate Paul Jane Tom Amy Joe Lin Yuki Ravi "
                "Kwame Ines Pablo Hector Nadia Sara Matt Julie Carmen Rob Dana").split()
AUTHOR_LAST = ("Rowan Ashby Gibbs Willard Carver Hendry Klassner Barnett Park Crewe Lowden Sachs Curtiss Paulson "
               "Appleby Dunmore Riordan Kinsey Pilcher Osgood Cleland Dalby Whitcomb Lin Yang Alexander Woodward "
               "Reyna Jenks Bishop Arnold Simons Markham Burns Cole Bauer Garland Hughes Knight Mora Ada Tovar "
               "Morales Brown Stead Holm Selby Wiesner Rylan Parrish Montes Crewson Pinkham Meyer Boyd Fletcher "
               "Grant Hayes Irving Judd Keller Long Monroe North Oakes Price Quinn Rhodes Stone Tate Underwood "
               "Vance Walsh Ferris Gallo Haddad Ibarra Jansen Lucero Mbeki Novak Pryor Sato").split()

ANIMALS = ("Bear Fox Bunny Owl Duck Pig Mouse Cat Dog Frog Turtle Elephant Lion Penguin Moose Goose Llama "
           "Hedgehog Squirrel Raccoon Kitten Puppy Dragon Dinosaur Whale Octopus Sloth Panda Koala Giraffe").split()
PB_ADJ = ("Very Sleepy", "Little", "Grumpy", "Brave", "Hungry", "Tiny", "Silly", "Noisy", "Curious", "Shy",
          "Busy", "Lonely", "Happy", "Messy", "Polite", "Snowy", "Sleepy", "Wild", "Quiet", "Bouncy")
PB_THINGS = ("Hat", "Blanket", "Balloon", "Red Scarf", "Birthday", "Garden", "Kite", "Lunchbox", "Umbrella",
             "Tooth", "Shadow", "Wagon", "Cookie", "Bicycle", "Night Light", "Snowman", "Pumpkin", "Boat")
PB_PATTERNS = ("The {adj} {animal}", "Goodnight, {adj} {animal}", "{name} and the {thing}",
               "Where Is {animal}'s {thing}?", "{animal} Goes to School", "If You Give {a_animal} a {thing}",
               "A {thing} for {animal}", "{adj} {animal} Can't Sleep", "{animal} and {animal2}",
               "{animal} Finds a {thing}", "No More {thing}s, {animal}!", "The {animal} Who Lost the {thing}")
READER_PATTERNS = ("{animal} and {animal2}: {title}", "Let's Go, {animal}!", "{name} Can Read: {title}",
                   "The {animal} on the Bus", "{animal} Is My Friend")
READER_TITLES = ("A Big Day", "The Lost Ball", "Rain, Rain!", "Fun in the Sun", "The Best Nest", "Snow Day",
                 "Up and Down", "The Surprise")

SERIES = {
    "The Mystery Club": ("Secret of the Old Lighthouse", "Missing Mascot", "Haunted Gym", "Clock Tower Code",
                         "Vanishing Violin", "Riddle in the Library", "Stolen Snow Globe", "Midnight Museum"),
    "Dragon Academy": ("First Flight", "The Ice Dragon", "Egg of Fire", "Storm over Skyhold", "Dragon Games",
                       "The Lost Rider"),
    "Lunchbox Detectives": ("The Case of the Cafeteria Caper", "The Case of the Pizza Thief",
                            "The Case of the Missing Milk", "The Case of the Field Trip Fiasco"),
    "Treehouse Travelers": ("Knights at Dawn", "Pyramids at Sunset", "Pirates at Noon", "Volcano Day",
                            "Dinosaurs Before Lunch", "Samurai in the Snow", "Moon Base Morning"),
    "Princess Pip": ("Pip and the Pony", "Pip's Royal Race", "Pip Saves the Castle", "Pip Goes Camping"),
    "Captain Kazoo": ("Captain Kazoo and the Talking Toilets", "Captain Kazoo vs. the Lunch Lady",
                      "Captain Kazoo and the Robot Teacher", "Captain Kazoo Goes Bananas"),
    "Wings of Willowbrook": ("Fairy Flight", "The Moonflower", "Willow's Wish", "The Frost Fairy"),
    "Owl Diaries Club": ("Eva's Big Sleepover", "A Woodland Wedding", "The Wildwood Bakery", "Owl Be Home"),
    "Detective Dinos": ("The Fossil Thief", "Dino Disguise", "Tar Pit Trouble", "The Raptor Ruckus"),
    "Soccer Stars": ("Kickoff!", "Goal Line", "Penalty Shot", "The Big Tournament", "Rainy Day Match"),
    "Los Amigos del Barrio": ("La fiesta sorpresa", "El perro perdido", "Un día en la playa", "La feria"),
    "Space Cadets": ("Blast Off", "Mission to Mars", "The Comet Chase", "Alien Exchange Student"),
}
MG_ADJ = ("Secret", "Lost", "Hidden", "Last", "Forgotten", "Silver", "Invisible", "Wild", "Broken", "Brave",
          "Midnight", "Crooked", "Whispering", "Golden", "Impossible", "Wandering")
MG_NOUNS = ("Garden", "Map", "Key", "Island", "Library", "Bridge", "Kingdom", "Compass", "Summer", "Lighthouse",
            "Orchard", "Clockmaker", "River", "Castle", "Storm", "Treasure", "Moon", "Forest", "Robot", "Ship")
MG_PLACES = ("Willow Creek", "Maple Hollow", "Pinecrest", "Harbor Point", "Misty Falls", "Ravenwood",
             "the North Woods", "Starfall", "Juniper Lane", "Cedar Bay", "Fox Hill", "San Lorenzo")
MG_PATTERNS = ("The {adj} {noun}", "The {adj} {noun} of {place}", "{name} and the {adj} {noun}",
               "Beyond {place}", "A {noun} for {name}", "The Girl Who Found the {noun}",
               "The Boy Who Built a {noun}", "Escape from {place}", "{name} Takes Charge",
               "The Summer of the {noun}", "Return to {place}", "When the {noun} Fell")

# (topic, Dewey number) for nonfiction; titles are built from NF_PATTERNS.
NF_TOPICS = (
    ("Sharks", "597.3"), ("Frogs", "597.8"), ("Snakes", "597.96"), ("Birds", "598"), ("Penguins", "598.47"),
    ("Whales", "599.5"), ("Dolphins", "599.53"), ("Big Cats", "599.75"), ("Wolves", "599.773"),
    ("Bears", "599.78"), ("Insects", "595.7"), ("Butterflies", "595.78"), ("Spiders", "595.44"),
    ("Dinosaurs", "567.9"), ("Volcanoes", "551.21"), ("Earthquakes", "551.22"), ("Weather", "551.6"),
    ("Oceans", "551.46"), ("Rocks and Minerals", "552"), ("Rainforests", "577.34"), ("Deserts", "577.54"),
    ("The Solar System", "523.2"), ("Stars", "523.8"), ("The Moon", "523.3"), ("Astronauts", "629.45"),
    ("Robots", "629.892"), ("Trains", "625.1"), ("Airplanes", "629.133"), ("Trucks", "629.224"),
    ("The Human Body", "612"), ("Healthy Eating", "613.2"), ("Plants", "580"), ("Trees", "582.16"),
    ("Magnets", "538"), ("Electricity", "537"), ("Simple Machines", "621.8"), ("Coding", "005.1"),
    ("Ancient Egypt", "932"), ("Ancient Rome", "937"), ("The Maya", "972.81"), ("Knights and Castles", "940.1"),
    ("The American Revolution", "973.3"), ("The Civil War", "973.7"), ("U.S. Presidents", "973.09"),
    ("Native Nations", "970.00497"), ("Mexico", "972"), ("Japan", "952"), ("Kenya", "967.62"),
    ("Soccer", "796.334"), ("Basketball", "796.323"), ("Baseball", "796.357"), ("Swimming", "797.21"),
    ("Drawing", "743"), ("Origami", "736.982"), ("Cooking", "641.5"), ("Music", "780"),
    ("Folktales", "398.2"), ("Jokes and Riddles", "818.602"), ("Poetry", "811"), ("Spanish Words", "468"),
    ("Math Puzzles", "793.74"), ("Money", "332.4"), ("Community Helpers", "331.7"), ("Holidays", "394.26"),
)
NF_PATTERNS = ("All About {topic}", "{topic}: A First Look", "The Big Book of {topic}", "Exploring {topic}",
               "{topic} Up Close", "Amazing {topic}", "Let's Learn About {topic}", "Discover {topic}",
               "{topic} for Kids", "The Truth About {topic}", "Super {topic}")
BIOGRAPHIES = ("Harriet Tubman", "Abraham Lincoln", "Frida Kahlo", "Roberto Clemente", "Sally Ride",
               "Martin Luther King Jr.", "César Chávez", "Amelia Earhart", "Albert Einstein", "Sonia Sotomayor",
               "Jackie Robinson", "Rosa Parks", "George Washington", "Helen Keller", "Marie Curie",
               "Dolores Huerta", "Neil Armstrong", "Malala Yousafzai", "Katherine Johnson", "Pelé",
               "Sacagawea", "Benjamin Franklin", "Jane Goodall", "Ellen Ochoa", "Thomas Edison")
BIO_PATTERNS = ("Who Was {person}?", "{person}: A Life", "I Am {person}", "The Story of {person}")
REFERENCE = (("The World Book Encyclopedia, Volume {n}", "World Book", "031", "WOR", 12),
             ("Merriam-Webster Children's Dictionary", "Merriam-Webster", "423", "MER", 1),
             ("Diccionario escolar ilustrado", "Larousse", "463", "LAR", 1),
             ("National Geographic Kids World Atlas", "National Geographic", "912", "NAT", 1),
             ("The Kids' Almanac of Facts", "Time for Kids", "031.02", "TIM", 1),
             ("Children's Thesaurus", "Scholastic", "423.1", "SCH", 1))
DVDS = ("Planet Earth: Oceans", "The Magic School Bus: Space", "Bill Nye: Volcanoes", "Wild Kratts: Big Cats",
        "Reading Rainbow: Dinosaurs", "Sesame Street: Feelings", "Storybook Classics", "Cosmos for Kids",
        "Life in the Rainforest", "Amazing Machines", "The Story of the Constitution", "Frog and Toad Stories",
        "Ballet for Beginners", "Science Experiments at Home", "Our Solar System")
MAGAZINES = (("National Geographic Kids", "NAT"), ("Ranger Rick", "RAN"), ("Highlights", "HIG"),
             ("Sports Illustrated Kids", "SPO"), ("Ask", "ASK"), ("Click", "CLI"), ("Muse", "MUS"))
BLOCK_REASONS = ("Lost library book not paid for: see Mrs. Lee.", "Parent asked to pause borrowing.")
